"""The crawler's Scrapy settings: its defaults, independent of any config file.

Values that staff control (user agent, robots.txt, timeouts, source URLs, the database) come
from ``config.toml``: the ``fondsradar`` command's crawl child sets them explicitly, and a plain
``scrapy crawl erasmus`` from the repository root gets them through the shell's
``fondsradar.scrapy_settings`` (where ``scrapy.cfg`` points). This module imports no shell code.
"""

BOT_NAME = "fondsradar"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "Fondsradar (Region Midtjylland; +mailto:teknologipagt@rm.dk)"
ROBOTSTXT_OBEY = True

# Politeness: one request at a time per host, with a delay; hosts are crawled in parallel.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control server runs code sent to it; a batch job has no use for it.
REMOTE_CONTROL_ENABLED = False

# A job yields items into its feed and stores nothing: the shell's ingest step normalises,
# validates, dedupes and stores them (fondsradar/ingest.py), for local and Scrapyd jobs alike.
ITEM_PIPELINES: dict = {}

DOWNLOADER_MIDDLEWARES = {
    # The outbound policy (crawler/policy.py) sees every request first, robots.txt and
    # redirects included: only the source's own hosts, only http(s), a request budget.
    "crawler.policy.OutboundPolicyMiddleware": 50,
    # HAR replay sits next to the downloader, so robots.txt, retries and redirects behave as on
    # the network; the recorder sits there too, to see every real exchange.
    "crawler.middlewares.HarReplayMiddleware": 960,
    "crawler.middlewares.HarRecordMiddleware": 950,
    # Scrapy 2.19 lets requests through while a host's robots.txt is still downloading; ours
    # waits for it (see crawler/middlewares.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,
    # Retries wait (doubling, honouring Retry-After); redirects to other sites are refused.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.faults.BackoffRetryMiddleware": 550,
    "crawler.faults.OffsiteRedirectMiddleware": 650,
    # Decompression within DOWNLOAD_MAXSIZE, and a page over it is reported, not lost quietly.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.faults.ReportingDecompressionMiddleware": 590,
}

SPIDER_MIDDLEWARES = {
    # Closest to the spider, so it sees exactly what a callback yielded: a page that gave
    # nothing and is an empty script shell is recorded for the source's health.
    "crawler.shells.ScriptShellMiddleware": 990,
}

EXTENSIONS = {
    "crawler.extensions.HealthExtension": 500,
}

# Conditional requests: pages are kept with their ETag / Last-Modified and always revalidated,
# so an unchanged page costs a 304 and no body, and a changed one is always seen. The shell puts
# the cache beside the database and turns it off while recording or replaying a HAR (those must
# see real exchanges only).
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "crawler.faults.RevalidatePolicy"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_IGNORE_HTTP_CODES = [429, 500, 502, 503, 504]

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# Fondsradar's own settings (the `fondsradar` command sets these per run).
FONDSRADAR_STATE_URL = ""  # incremental state, "{source}" for the spider (crawler/incremental.py)
FONDSRADAR_RUN_ID = 0
FONDSRADAR_TODAY = ""
FONDSRADAR_SOURCES: dict = {}
FONDSRADAR_EVENTS = False
FONDSRADAR_HAR_REPLAY = ""
FONDSRADAR_HAR_RECORD = ""
FONDSRADAR_BACKOFF_S = 2.0
FONDSRADAR_BACKOFF_MAX_S = 120.0
FONDSRADAR_MAX_REQUESTS = 10_000  # per source and crawl, unless sources.<name>.max_requests

