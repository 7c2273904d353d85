"""The item, as in the original's src/crawler/items.py."""

import scrapy


class CoingeckoItem(scrapy.Item):
    coin_id = scrapy.Field()
    date = scrapy.Field()
    usd_price = scrapy.Field()
    full_response = scrapy.Field()
