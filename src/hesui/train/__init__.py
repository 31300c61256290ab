"""Supervised fine-tuning (LoRA and full) and export of a merged model."""
