"""The review window (PySide6). The only package of jdreview that imports Qt."""
