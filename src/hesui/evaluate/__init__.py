"""Evaluation: pure metric functions, LLM-as-judge scoring, and reports."""
