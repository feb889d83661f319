"""Faithful stand-ins for the outside world, shared by tests/ and bench/.

* :mod:`testkit.discord`: a fake Discord (gateway, REST, CDN) the real discord.py talks to.
* :mod:`testkit.gemini`: a fake Gemini the real google-genai SDK talks to.
* :mod:`testkit.audio`: real audio (espeak-ng speech through ffmpeg) in every accepted
  format, plus hostile files.
* :mod:`testkit.postgres`: a throwaway PostgreSQL server on loopback.
* :mod:`testkit.bot_process`: the real bot as a child process (``python -m bot run``).
* :mod:`testkit.tcp_proxy`: a loopback TCP proxy whose link can be cut (an unreachable
  database, without stopping it).

Everything listens on 127.0.0.1 only. Nothing here imports the bot (the child process
runs it).
"""
