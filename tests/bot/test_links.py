"""YouTube links: reduced to a validated id and rebuilt; anything else is not a video link."""

from __future__ import annotations

import pytest

from bot.links import youtube_video

ID = "dQw4w9WgXcQ"
CANONICAL = f"https://www.youtube.com/watch?v={ID}"


@pytest.mark.parametrize(
    "link",
    [
        f"https://www.youtube.com/watch?v={ID}",
        f"https://youtube.com/watch?v={ID}&t=42s&list=PL0123456789",
        f"http://m.youtube.com/watch?feature=share&v={ID}",
        f"https://music.youtube.com/watch?v={ID}",
        f"https://youtu.be/{ID}?si=tracking",
        f"youtu.be/{ID}",
        f"https://www.youtube.com/shorts/{ID}",
        f"https://www.youtube.com/live/{ID}?feature=shared",
        f"  https://www.youtube.com/watch?v={ID}#comments  ",
    ],
)
def test_youtube_shapes_become_the_canonical_url(link: str) -> None:
    video = youtube_video(link)
    assert video is not None
    assert video.url == CANONICAL


@pytest.mark.parametrize(
    "link",
    [
        "https://www.youtube.com/watch?v=short",  # not 11 characters
        f"https://www.youtube.com/watch?v={ID}x",
        "https://www.youtube.com/watch?v=dQw4w9WgXc%",  # outside the alphabet
        f"https://www.youtube.com/watch?v={ID}&v=aaaaaaaaaaa",  # two ids: ambiguous
        f"https://www.youtube.com/embed/{ID}",
        f"https://www.youtube.com/playlist?list={ID}",
        f"https://youtube.com.evil.example/watch?v={ID}",
        f"https://evil.example/?u=https://youtu.be/{ID}",
        f"https://user@www.youtube.com/watch?v={ID}",
        f"https://www.youtube.com:8443/watch?v={ID}",
        f"ftp://youtu.be/{ID}",
        f"https://youtu.be/{ID}/extra",
        f"https://www.youtube.com/watch?v={ID} https://evil.example",
        "http://127.0.0.1:8080/audio.ogg",
        "https://cdn.discordapp.com/attachments/1/2/a.ogg",
        "not a link",
        "",
    ],
)
def test_anything_else_is_not_a_video_link(link: str) -> None:
    assert youtube_video(link) is None
