#!/bin/bash
# shellcheck shell=bash
# devstack plugin of nova-hotspot: installs the package, writes [hotspot]
# (options and the keystoneauth credentials of the nova service user) into
# nova.conf, runs nova-hotspot-agent as a devstack service, and (unless
# NOVA_HOTSPOT_SCHEDULER=False) enables HotspotFilter and HotspotWeigher in
# nova-scheduler's [filter_scheduler].
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
    iniset "$conf" hotspot hot_samples_required \
        "$NOVA_HOTSPOT_HOT_SAMPLES_REQUIRED"
    iniset "$conf" hotspot hot_samples_window \
        "$NOVA_HOTSPOT_HOT_SAMPLES_WINDOW"
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
    iniset "$conf" hotspot publish_traits "$NOVA_HOTSPOT_PUBLISH_TRAITS"
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

# Nova's default filters, used when nova.conf does not name any.
NOVA_HOTSPOT_DEFAULT_FILTERS=ComputeFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter

# HotspotFilter and HotspotWeigher in nova-scheduler's nova.conf, after
# the filters and weighers devstack configured (nova_hotspot is installed
# in the environment nova runs from by install_nova_hotspot).
function configure_nova_hotspot_scheduler {
    local conf=$NOVA_CONF
    local filters weighers
    if ! grep -q '^available_filters *= *nova_hotspot.scheduler.filters.HotspotFilter' "$conf"; then
        if [[ -z "$(iniget "$conf" filter_scheduler available_filters)" ]]; then
            iniset "$conf" filter_scheduler available_filters \
                nova.scheduler.filters.all_filters
        fi
        iniadd "$conf" filter_scheduler available_filters \
            nova_hotspot.scheduler.filters.HotspotFilter
    fi
    filters=$(iniget "$conf" filter_scheduler enabled_filters)
    filters=${filters:-$NOVA_HOTSPOT_DEFAULT_FILTERS}
    if [[ ",$filters," != *,HotspotFilter,* ]]; then
        iniset "$conf" filter_scheduler enabled_filters "$filters,HotspotFilter"
    fi
    weighers=$(iniget "$conf" filter_scheduler weight_classes)
    weighers=${weighers:-nova.scheduler.weights.all_weighers}
    if [[ ",$weighers," != *,nova_hotspot.scheduler.weights.HotspotWeigher,* ]]; then
        iniset "$conf" filter_scheduler weight_classes \
            "$weighers,nova_hotspot.scheduler.weights.HotspotWeigher"
    fi
}

function cleanup_nova_hotspot_scheduler {
    local conf=$NOVA_CONF
    local filters weighers
    [[ -f "$conf" ]] || return 0
    filters=$(iniget "$conf" filter_scheduler enabled_filters)
    filters=${filters//,HotspotFilter/}
    iniset "$conf" filter_scheduler enabled_filters "$filters"
    weighers=$(iniget "$conf" filter_scheduler weight_classes)
    weighers=${weighers//,nova_hotspot.scheduler.weights.HotspotWeigher/}
    iniset "$conf" filter_scheduler weight_classes "$weighers"
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
        if [[ "$(trueorfalse True NOVA_HOTSPOT_SCHEDULER)" == "True" ]]; then
            echo_summary "Enabling nova-hotspot's scheduler filter and weigher"
            configure_nova_hotspot_scheduler
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting nova-hotspot-agent"
        start_nova_hotspot
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_nova_hotspot
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_nova_hotspot
        cleanup_nova_hotspot_scheduler
    fi
fi
