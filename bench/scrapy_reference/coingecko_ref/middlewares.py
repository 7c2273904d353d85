"""The original's 429 handling (src/crawler/middlewares.py): block a minute, then retry.

Not enabled in settings.py (the throughput bench has no 429s); bench/rate-limit.ts enables it with
-s DOWNLOADER_MIDDLEWARES='{"coingecko_ref.middlewares.CustomRetryMiddleware": 550}', as the original's
settings did, next to Scrapy's own RetryMiddleware (also 550).
"""

from time import sleep

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message


class CustomRetryMiddleware(RetryMiddleware):
    def process_response(self, request, response, spider):
        if response.status == 429:
            sleep(60)  # as the original: blocks the whole reactor, every request in flight waits too
            reason = response_status_message(response.status)
            return self._retry(request, reason, spider) or response
        return response
