"""The original's coingecko_spider (guzmanvitar/ecoin_price_forecaster), minus the DB."""

import json
from datetime import date, timedelta

import scrapy

from coingecko_ref.items import CoingeckoItem

API_DATE_FORMAT = "%d-%m-%Y"


class CoingeckoSpider(scrapy.Spider):
    name = "coingecko_spider"

    def __init__(self, coin_id: str, start_date: str, end_date: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.coin_ids = [coin_id]
        self.start_date = date.fromisoformat(start_date)
        self.end_date = date.fromisoformat(end_date or start_date)

    def start_requests(self):
        api_url = self.settings.get("API_URL", "https://api.coingecko.com/api/v3")
        days = (self.end_date - self.start_date).days + 1
        for coin_id in self.coin_ids:
            for i in range(days):
                target_date = self.start_date + timedelta(days=i)
                yield scrapy.Request(
                    url=(
                        f"{api_url}/coins/{coin_id}/history"
                        f"?date={target_date.strftime(API_DATE_FORMAT)}&localization=false"
                    ),
                    callback=self.parse,
                    headers={
                        "Accept": "application/json",
                        "User-Agent": (
                            "Mozilla/5.0 (X11; Linux x86_64; rv:48.0) Gecko/20100101 Firefox/48.0"
                        ),
                    },
                    meta={"coin_id": coin_id, "target_date": target_date},
                )

    def parse(self, response):
        json_response = json.loads(response.text)
        item = CoingeckoItem()
        item["coin_id"] = response.meta["coin_id"]
        item["date"] = response.meta["target_date"]
        item["usd_price"] = json_response["market_data"]["current_price"]["usd"]
        item["full_response"] = json_response
        yield item
