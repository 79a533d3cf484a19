"""Speech: offline dictation with a Whisper model run by faster-whisper (CTranslate2, int8 on CPU)."""
