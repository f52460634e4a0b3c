#!/usr/bin/env bash
# Rebuilds the monthly files of this folder (YYYY-MM.csv.lzo) from the R package
# completejourney (github.com/bradleyboehmke/completejourney, licence CC0), byte for
# byte: `sha256sum -c SHA256SUMS` passes on what it writes.
#
#   data/complete-journey/make-files.sh <completejourney repository> [out dir]
#
# <completejourney repository>: a clone or a bare git directory holding commit
# 5b5d06192b9856edd04e4d405787af2f2e4a1fef. [out dir]: where the files go (default:
# this folder). Needs git, Rscript (Debian r-base-core; base R only, no packages),
# lzop and sha256sum.
#
# What it takes: data/transactions_sample.rda of that commit, the package's
# 75,000-line sample of the 1,469,307 lines of The Complete Journey 2.0
# (data-raw/prep-data.R draws it with set.seed(8451); sample_n(75000)), every line
# and every column, unchanged but for the time: transaction_timestamp, a POSIXct
# in America/New_York, is written as New York wall-clock time with its UTC offset
# (2017-01-28 14:06:53-0500). The lines are sorted by every column (time first)
# and split by the New York month of their time, one file per month.
set -euo pipefail

COMMIT=5b5d06192b9856edd04e4d405787af2f2e4a1fef
# sha256 of data/transactions_sample.rda at $COMMIT (git blob 8cc909b9f3329c151565a899b392e337c131608b).
RDA_SHA256=3abc5ec5a86c25913564a22314ea9ad2ab98160ebe77ee99672e0378929f0a03

[ $# -ge 1 ] || { echo "usage: $0 <completejourney repository> [out dir]" >&2; exit 2; }
gitdir=$(cd "$1" && git rev-parse --absolute-git-dir)
out=${2:-$(dirname "$0")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git --git-dir="$gitdir" show "$COMMIT:data/transactions_sample.rda" >"$tmp/transactions_sample.rda"
echo "$RDA_SHA256  $tmp/transactions_sample.rda" | sha256sum -c --quiet -

Rscript --vanilla - "$tmp/transactions_sample.rda" "$tmp" <<'R'
args <- commandArgs(trailingOnly = TRUE)
load(args[1])
x <- as.data.frame(transactions_sample)
stopifnot(nrow(x) == 75000, ncol(x) == 11)
options(scipen = 100)  # 100000, never 1e+05
ts <- x$transaction_timestamp
x$transaction_timestamp <- format(ts, "%Y-%m-%d %H:%M:%S%z", tz = "America/New_York")
# A total order: time first, then every other column.
x <- x[order(as.numeric(ts), x$household_id, x$store_id, x$basket_id, x$product_id,
             x$quantity, x$sales_value, x$retail_disc, x$coupon_disc, x$coupon_match_disc, x$week,
             method = "radix"), ]
month <- substr(x$transaction_timestamp, 1, 7)
for (m in sort(unique(month))) {
  write.table(x[month == m, ], file.path(args[2], paste0(m, ".csv")), sep = ",", quote = FALSE,
              row.names = FALSE, col.names = TRUE, eol = "\n", fileEncoding = "UTF-8")
}
R

mkdir -p "$out"
cd "$tmp"
for f in ????-??.csv; do
  # lzop keeps the name, mode and mtime of its input: fix them so the bytes are the same everywhere.
  chmod 644 "$f"
  touch -d '2019-09-28T15:24:01Z' "$f"
  lzop -9 -q -f -o "$out/$f.lzo" "$f"
done
echo "wrote $(ls ????-??.csv | wc -l) files to $out"
