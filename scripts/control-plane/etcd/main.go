// Command etcd is the etcd server, built from go.etcd.io/etcd/server/v3 so that
// scripts/control-plane.sh can provide it without a binary download.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
