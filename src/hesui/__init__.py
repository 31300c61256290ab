"""hesui (贺岁): Chinese New Year copywriting that obeys the length you ask for."""
__version__ = "0.1.0"
