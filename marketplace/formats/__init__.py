"""Date and time formats where Django's own do not suit a European shop (FORMAT_MODULE_PATH)."""
