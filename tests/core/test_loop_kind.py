import asyncio


async def test_core_tests_use_a_plain_asyncio_loop() -> None:
    loop = asyncio.get_running_loop()
    assert not type(loop).__module__.startswith("qasync")
