from bot.gemini import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_requests_beyond_the_limit_wait_for_the_window() -> None:
    time = FakeTime()
    limiter = RateLimiter(3, clock=time.clock, sleep=time.sleep)
    waits = [await limiter.acquire() for _ in range(3)]
    assert waits == [0.0, 0.0, 0.0]
    time.now = 10.0
    assert await limiter.acquire() == 50.0  # the first slot frees 60 s after it was taken
    assert time.now == 60.0


async def test_slots_free_up_as_the_window_slides() -> None:
    time = FakeTime()
    limiter = RateLimiter(2, clock=time.clock, sleep=time.sleep)
    await limiter.acquire()
    time.now = 30.0
    await limiter.acquire()
    time.now = 61.0
    assert await limiter.acquire() == 0.0
    assert time.sleeps == []
