"""Voice notes in, transcripts and summaries out: a Discord bot built on Google Gemini.

The pipeline modules of this package (audio, Gemini, transcript model, rendering, jobs,
storage) are plain async Python with no Discord imports; only ``cogs.bot`` and the
entry point touch discord.py.
"""

__version__ = "0.1.0"
