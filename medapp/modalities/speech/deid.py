"""A dictation saved to a case is de-identified as any recording: re-encoded as FLAC without metadata."""
from ..audio.deid import deidentify_bytes

__all__ = ["deidentify_bytes"]
