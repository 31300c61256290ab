"""Where models come from (registry) and how a request becomes a prompt (chat)."""
