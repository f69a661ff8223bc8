# Excerpt of OnlyLight/dev-infra, helm/external_lb_kind.sh (public repository): a kind config in a heredoc.
cat <<EOF2 | kind create cluster --config=-
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
  extraPortMappings:
  - containerPort: 80
    hostPort: 80
    protocol: TCP
    listenAddress: "127.0.0.1"
EOF2
