"""The original's settings, plus the benchmark's: 16 in flight, no delay, no throttle/cache/telnet."""

BOT_NAME = "coingecko_ref"
SPIDER_MODULES = ["coingecko_ref.spiders"]
NEWSPIDER_MODULE = "coingecko_ref.spiders"

# As the original (Scrapy 2.7+ project template).
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
ROBOTSTXT_OBEY = False
ITEM_PIPELINES = {"coingecko_ref.pipelines.CoingeckoCrawlerJsonPipeline": 300}

# Benchmark: same concurrency as ours (--concurrency 16). Scrapy's per-domain
# default (8) would otherwise cap it, since every request goes to one host.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 16
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = False
HTTPCACHE_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"

# Override per run with -s: API_URL=http://127.0.0.1:8765/api/v3 DATA_DIR=/tmp/x
API_URL = "https://api.coingecko.com/api/v3"
DATA_DIR = "data"
