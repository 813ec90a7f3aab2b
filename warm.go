package main

import (
	_ "github.com/duckdb/duckdb-go/v2"
	_ "modernc.org/sqlite"
	_ "github.com/labstack/echo/v4"
	_ "github.com/go-co-op/gocron/v2"
	_ "golang.org/x/crypto/acme/autocert"
	_ "github.com/medama-io/go-useragent"
	_ "github.com/x-way/crawlerdetect"
	_ "github.com/oschwald/maxminddb-golang/v2"
	_ "github.com/phuslu/iploc"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {}
