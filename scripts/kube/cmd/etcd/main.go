// etcd built from go.etcd.io/etcd/server/v3 at the version k8s.io/kubernetes itself requires (see
// ../../go.mod); the same main as upstream's etcd binary (server/main.go).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
