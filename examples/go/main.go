// The tutorial's secured Service from Go: type NodePort, http on Service port 8080, https on 443, one
// replica, nginx serving HTTPS with a generated certificate in a kubernetes.io/tls Secret.
//
//	pulumi stack output caCertificatePem > ca.pem
//	curl --cacert ca.pem --resolve my-nginx:<nodePorts.https>:<node address> https://my-nginx:<nodePorts.https>/
//
// (the certificate names the Service, not the node: --resolve sends that name to the node's address).
package main

import (
	"example.com/pulumi-nginx-service/sdk/go/nginxservice"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// ref is the address of a copy of v: the SDK takes the component's plain (non-Output) arguments as
// pointers, nil meaning the component's default.
func ref[T any](v T) *T { return &v }

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		replicas, err := cfg.TryInt("replicas")
		if err != nil {
			replicas = 1
		}
		// Changing `rotation` makes the next `pulumi up` issue a new certificate.
		tls := &nginxservice.TlsArgs{}
		if rotation := cfg.Get("rotation"); rotation != "" {
			tls.RotationTrigger = pulumi.String(rotation)
		}
		web, err := nginxservice.NewNginxService(ctx, "my-nginx", &nginxservice.NginxServiceArgs{
			Namespace:   pulumi.StringPtr(cfg.Get("namespace")),
			ServiceType: ref(nginxservice.ServiceTypeNodePort),
			HttpPort:    ref(8080.0),
			Replicas:    pulumi.Float64Ptr(float64(replicas)),
			Tls:         tls,
		})
		if err != nil {
			return err
		}
		ctx.Export("serviceName", web.ServiceName)
		ctx.Export("clusterIP", web.ClusterIP)
		ctx.Export("nodePorts", web.NodePorts)
		ctx.Export("caCertificatePem", web.CaCertificatePem)
		ctx.Export("certificatePem", web.CertificatePem)
		ctx.Export("certificateNotAfter", web.CertificateNotAfter)
		ctx.Export("tlsSecretName", web.TlsSecretName)
		return nil
	})
}
