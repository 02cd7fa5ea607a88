"""The application file for `spark-submit` (docs/scan-spark.md): runs the `lurewatch` command line.

    spark-submit [options] "$(python -m lurewatch.spark_submit --path)" scan TABLE... --engine spark -o OUT

Under spark-submit the Spark session takes the cluster's master and settings from spark-submit.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--path"]:
        print(__file__)
        return
    from lurewatch.cli import main as cli

    sys.argv = ["lurewatch", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
