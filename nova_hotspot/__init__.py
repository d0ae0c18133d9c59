"""nova-hotspot: find hot compute hosts and live-migrate VMs off them."""
