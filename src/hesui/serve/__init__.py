"""hesui serve: the OpenAI and Qianfan chat dialects over the Generator seam, and the playground page."""
