#!/bin/bash
# shellcheck shell=bash
# devstack plugin of nova-hotspot: installs the package, writes [hotspot]
# (options and the keystoneauth credentials of the nova service user) into
# nova.conf and runs nova-hotspot-agent as a devstack service.
#
# Called by devstack as: source plugin.sh <mode> [<phase>]

# Functions and variables (is_service_enabled, iniset, run_process, stop_process,
# setup_develop, SERVICE_*, KEYSTONE_*, NOVA_CONF...) come from devstack.
# shellcheck disable=SC2154

function install_nova_hotspot {
    setup_develop "$NOVA_HOTSPOT_DIR"
}

function configure_nova_hotspot {
    local conf=$NOVA_HOTSPOT_CONF
    iniset "$conf" hotspot enabled "$NOVA_HOTSPOT_ENABLED"
    iniset "$conf" hotspot interval "$NOVA_HOTSPOT_INTERVAL"
    iniset "$conf" hotspot strategy "$NOVA_HOTSPOT_STRATEGY"
    iniset "$conf" hotspot usage_source "$NOVA_HOTSPOT_USAGE_SOURCE"
    if [ "$NOVA_HOTSPOT_USAGE_SOURCE" = prometheus ]; then
        iniset "$conf" hotspot prometheus_url "$NOVA_HOTSPOT_PROMETHEUS_URL"
        iniset "$conf" hotspot prometheus_window \
            "$NOVA_HOTSPOT_PROMETHEUS_WINDOW"
        iniset "$conf" hotspot capacity physical
    fi
    iniset "$conf" hotspot dry_run "$NOVA_HOTSPOT_DRY_RUN"
    iniset "$conf" hotspot cpu_threshold "$NOVA_HOTSPOT_CPU_THRESHOLD"
    iniset "$conf" hotspot mem_threshold "$NOVA_HOTSPOT_MEM_THRESHOLD"
    # The agent authenticates as the nova service user (admin in the
    # service project), like nova does for [placement].
    iniset "$conf" hotspot auth_type password
    iniset "$conf" hotspot auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$conf" hotspot username nova
    iniset "$conf" hotspot password "$SERVICE_PASSWORD"
    iniset "$conf" hotspot project_name "$SERVICE_PROJECT_NAME"
    iniset "$conf" hotspot user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf" hotspot project_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf" hotspot region_name "$REGION_NAME"
}

function start_nova_hotspot {
    run_process nova-hotspot-agent \
        "$NOVA_BIN_DIR/nova-hotspot-agent --config-file $NOVA_HOTSPOT_CONF"
}

function stop_nova_hotspot {
    stop_process nova-hotspot-agent
}

function cleanup_nova_hotspot {
    local conf=$NOVA_HOTSPOT_CONF
    if [[ -f "$conf" ]]; then
        inicomment "$conf" hotspot enabled
    fi
}

if is_service_enabled nova-hotspot-agent; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing nova-hotspot"
        install_nova_hotspot
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring nova-hotspot"
        configure_nova_hotspot
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting nova-hotspot-agent"
        start_nova_hotspot
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_nova_hotspot
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_nova_hotspot
    fi
fi
