"""The tutorial's secured Service from Python: type NodePort, http on Service port 8080, https on 443,
one replica, nginx serving HTTPS with a generated certificate in a kubernetes.io/tls Secret.

    pulumi stack output caCertificatePem > ca.pem
    curl --cacert ca.pem --resolve my-nginx:<nodePorts.https>:<node address> https://my-nginx:<nodePorts.https>/

(the certificate names the Service, not the node: --resolve sends that name to the node's address).
"""

import pulumi
import pulumi_nginx_service as nginx_service

config = pulumi.Config()

web = nginx_service.NginxService(
    "my-nginx",
    namespace=config.get("namespace"),
    service_type=nginx_service.ServiceType.NODE_PORT,
    http_port=8080,
    replicas=config.get_int("replicas", 1),
    tls=nginx_service.TlsArgs(rotation_trigger=config.get("rotation")),
)

pulumi.export("serviceName", web.service_name)
pulumi.export("clusterIP", web.cluster_ip)
pulumi.export("nodePorts", web.node_ports)
pulumi.export("caCertificatePem", web.ca_certificate_pem)
pulumi.export("certificatePem", web.certificate_pem)
pulumi.export("certificateNotAfter", web.certificate_not_after)
pulumi.export("tlsSecretName", web.tls_secret_name)
