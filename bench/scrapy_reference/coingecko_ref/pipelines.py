"""One JSON file per day, as the original's CoingeckoCrawlerJsonPipeline."""

import json
from pathlib import Path


class CoingeckoCrawlerJsonPipeline:
    def open_spider(self, spider):
        self.data_raw = Path(spider.settings.get("DATA_DIR", "data")) / "raw"
        self.data_raw.mkdir(parents=True, exist_ok=True)

    def process_item(self, item, spider):
        item_dict = dict(item)
        item_dict["date"] = str(item_dict["date"])
        write_path = self.data_raw / f"{item_dict['coin_id']}_{item_dict['date']}.json"
        with open(str(write_path), "w") as f:
            json.dump(item_dict, f)
        return item
