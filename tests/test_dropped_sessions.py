"""Streamlit forgets a closed tab's session without shutting it down once its reconnect window ends, and its
uploaded files stayed in the server for good (a soak review: about 7 MB per closed session). `release` frees the
files and media of sessions Streamlit no longer knows, with Streamlit's own managers."""
from __future__ import annotations

from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from medapp.ui.dropped_sessions import release


def test_uploads_and_media_of_forgotten_sessions_are_freed_and_open_sessions_keep_theirs():
    uploads = MemoryUploadedFileManager("/_stcore/upload_file")
    media = MediaFileManager(MemoryMediaFileStorage("/media"))
    uploads.add_file("open", UploadedFileRec("f1", "kept.png", "image/png", b"k" * 1000))
    uploads.add_file("closed-long-ago", UploadedFileRec("f2", "dropped.png", "image/png", b"d" * 5_000_000))
    media.add(b"picture shown to a session", "image/png", "coord-1")  # outside a script run: session "dontcare"

    assert release(uploads, media, known=["open", "dontcare"]) == ["closed-long-ago"]
    assert uploads.get_files("closed-long-ago", ["f2"]) == [] and len(uploads.get_files("open", ["f1"])) == 1
    assert len(media._file_metadata) == 1  # still referenced by a known session

    assert release(uploads, media, known=["open"]) == ["dontcare"]
    assert media._file_metadata == {}  # its only reference gone: the file too
    assert release(uploads, media, known=["open"]) == []  # nothing left to free; the open session's file stays
    assert len(uploads.get_files("open", ["f1"])) == 1
