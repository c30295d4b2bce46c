// Command cloud-controller is the cloud-controller-manager of the e2e
// single-node cluster: the service controller of k8s.io/cloud-provider (the
// load-balancer-cleanup finalizer, status.loadBalancer, the events) over a
// small local cloud (package localcloud) whose load balancers are addresses
// from a pool with a TCP forwarder to the node ports.
//
// Defaults differ from a stock cloud-controller-manager so that a bare
// `--kubeconfig=PATH --lb-interface=lb0` is enough: --cloud-provider is our
// cloud, --controllers=service, --leader-elect=false and --secure-port=0 (no
// HTTPS endpoint, so nothing to bind and no authentication delegation).
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	cloudprovider "k8s.io/cloud-provider"
	"k8s.io/cloud-provider/app"
	"k8s.io/cloud-provider/app/config"
	"k8s.io/cloud-provider/names"
	"k8s.io/cloud-provider/options"
	"k8s.io/component-base/cli"
	cliflag "k8s.io/component-base/cli/flag"
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	"k8s.io/klog/v2"

	"nginx-service/e2e-tools/cloud-controller/localcloud"
)

// Flags of the local cloud.
var (
	lbPool      = "198.18.200.0/24"
	lbInterface = ""
	lbDrain     = 2 * time.Second
	lbDial      = 5 * time.Second
	lbMode      = "proxy"
)

func localCloudFlags() cliflag.NamedFlagSets {
	fss := cliflag.NamedFlagSets{}
	fs := fss.FlagSet("local cloud (" + localcloud.ProviderName + ")")
	fs.StringVar(&lbPool, "lb-pool", lbPool, "CIDR the load balancer addresses are allocated from, one per Service.")
	fs.StringVar(&lbInterface, "lb-interface", lbInterface, "Network interface the load balancer addresses are put on (as /32 or /128). Addresses of the pool left on it by an earlier run are removed at start. Empty: manage no address (they must already be local, e.g. 127.0.0.0/8).")
	fs.DurationVar(&lbDrain, "lb-drain-timeout", lbDrain, "How long a deleted load balancer lets open connections go on before closing them.")
	fs.DurationVar(&lbDial, "lb-dial-timeout", lbDial, "Timeout of a forwarded connection to a node port.")
	fs.StringVar(&lbMode, "lb-mode", lbMode, "proxy: a TCP forwarder per Service port, the nodes see the forwarder's address; nat: iptables DNAT in the controller's network namespace, the client's address reaches the node, and with externalTrafficPolicy Local only nodes whose health check node port answers 200 get connections.")
	return fss
}

func newLocalCloud(io.Reader) (cloudprovider.Interface, error) {
	pool, err := localcloud.NewPool(lbPool)
	if err != nil {
		return nil, err
	}
	var addrs localcloud.Addresses = localcloud.NoAddresses{}
	if lbInterface != "" {
		link := localcloud.LinkAddresses{Link: lbInterface}
		removed, err := link.RemoveAllIn(pool.Prefix())
		if err != nil {
			return nil, err
		}
		if len(removed) > 0 {
			klog.InfoS("Removed load balancer addresses left by an earlier run", "interface", lbInterface, "addresses", removed)
		}
		addrs = link
	}
	var nat *localcloud.NAT
	switch lbMode {
	case "proxy":
	case "nat":
		nat = &localcloud.NAT{Apply: localcloud.IptablesRestore, Healthy: localcloud.HTTPHealthy(time.Second), Interval: time.Second}
		// Start from no rule: an earlier run's translations are rewritten as the Services sync.
		if err := nat.Reset(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("--lb-mode must be proxy or nat, not %q", lbMode)
	}
	klog.InfoS("Local cloud", "pool", pool.Prefix(), "interface", lbInterface, "drain", lbDrain, "mode", lbMode)
	return localcloud.New(localcloud.Config{Pool: pool, Addresses: addrs, Drain: lbDrain, Dial: lbDial, NAT: nat}), nil
}

func main() {
	cloudprovider.RegisterCloudProvider(localcloud.ProviderName, newLocalCloud)

	opts, err := options.NewCloudControllerManagerOptions()
	if err != nil {
		klog.Fatalf("unable to initialize command options: %v", err)
	}
	opts.KubeCloudShared.CloudProvider.Name = localcloud.ProviderName
	opts.Generic.Controllers = []string{names.ServiceLBController}
	opts.Generic.LeaderElection.LeaderElect = false
	opts.SecureServing.BindPort = 0

	// Only the service controller; its client name is the one the API
	// server's bootstrap RBAC knows (only used with --use-service-account-credentials).
	controllers := map[string]app.ControllerInitFuncConstructor{
		names.ServiceLBController: app.DefaultInitFuncConstructors[names.ServiceLBController],
	}

	cmd := app.NewCloudControllerManagerCommand(opts, initCloud, controllers, names.CCMControllerAliases(), localCloudFlags(), wait.NeverStop)
	cmd.Use = "cloud-controller"
	os.Exit(cli.Run(cmd))
}

func initCloud(c *config.CompletedConfig) cloudprovider.Interface {
	cc := c.ComponentConfig.KubeCloudShared.CloudProvider
	if cc.Name != localcloud.ProviderName {
		fmt.Fprintf(os.Stderr, "--cloud-provider must be %q (the only cloud compiled in), not %q\n", localcloud.ProviderName, cc.Name)
		os.Exit(1)
	}
	cloud, err := cloudprovider.InitCloudProvider(cc.Name, cc.CloudConfigFile)
	if err != nil || cloud == nil {
		klog.Fatalf("cloud provider %q could not be initialized: %v", cc.Name, err)
	}
	return cloud
}
