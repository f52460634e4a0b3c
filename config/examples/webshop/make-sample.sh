#!/usr/bin/env bash
# Regenerates the sample raw objects of config/examples/webshop.yaml: a web shop's
# order lines, two months, 24 lines each (deterministic; the outputs are committed).
# orders-2024-01.csv.gz is gzip (gzip -n: no name or time stamp, so reruns give the
# same bytes), orders-2024-02.csv plain text.
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY'
import random
rng = random.Random(19)
skus = ["tea-001", "tea-002", "mug-010", "pot-020", "cup-011", "bag-100", "tin-200", "spoon-05"]
prices = {"tea-001": "4.50", "tea-002": "5.25", "mug-010": "12.00", "pot-020": "29.90", "cup-011": "7.80", "bag-100": "1.99", "tin-200": "9.00", "spoon-05": "3.10"}
for month in (1, 2):
    rows = ["Order_Ref,Customer_No,SKU,Ordered_At,Units,Price_EUR,Channel,Coupon_Code"]
    for n in range(24):
        day = 1 + (n * 13) % 28
        hour, minute, second = 8 + n % 12, (n * 7) % 60, (n * 11) % 60
        # ISO 8601 in three shapes: a Berlin offset, UTC with a fraction, and a date alone.
        if n % 3 == 0:
            at = f"2024-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}+01:00"
        elif n % 3 == 1:
            at = f"2024-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{n * 37 % 1000:03d}Z"
        else:
            at = f"2024-{month:02d}-{day:02d}"
        sku = rng.choice(skus)
        rows.append(",".join([f"W{month}{n:04d}", f"C{rng.randint(1, 9):03d}", sku.upper() if n % 2 else sku, at, str(rng.randint(1, 3)), prices[sku], rng.choice(["web", "app"]), "WINTER10" if n % 5 == 0 else ""]))
    rows.append(rows[-1])  # an exact duplicate line: rejected as `duplicate` (csv.duplicates: reject)
    name = f"orders-2024-{month:02d}.csv"
    with open(name, "w", newline="") as f:
        f.write("\r\n".join(rows) + "\r\n")
PY
gzip -n -9 -f orders-2024-01.csv
