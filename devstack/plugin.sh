#!/bin/bash
#
# devstack plugin for keystone-ng-plugin: installs the package into
# keystone's environment, appends the plugin's auth methods, switches
# keystone's WSGI application to the plugin's and syncs the plugin's tables.

# Save trace setting
_XTRACE_KEYSTONE_NG=$(set +o | grep xtrace)
set -o xtrace

KEYSTONE_DEFAULT_AUTH_METHODS="external,password,token,oauth1,mapped,application_credential,ec2credential"

function install_keystone_ng {
    setup_develop "$KEYSTONE_NG_DIR"
    # keystone-ng-client: the v4 keystoneauth plugins and the
    # `openstack ng` commands for the devstack user's CLI.
    setup_develop "$KEYSTONE_NG_DIR/client"
}

# _append_csv LIST ITEM... - LIST with each ITEM appended unless present
function _append_csv {
    local list=$1
    shift
    local item
    for item in "$@"; do
        case ",$list," in
            *",$item,"*) ;;
            *) list="${list:+$list,}$item" ;;
        esac
    done
    echo "$list"
}

function configure_keystone_ng {
    local methods primary method_list
    if [[ -n "$KEYSTONE_NG_AUTH_METHODS" ]]; then
        IFS=',' read -r -a method_list <<< "$KEYSTONE_NG_AUTH_METHODS"
        methods=$(iniget "$KEYSTONE_CONF" auth methods)
        methods=$(_append_csv "${methods:-$KEYSTONE_DEFAULT_AUTH_METHODS}" "${method_list[@]}")
        iniset "$KEYSTONE_CONF" auth methods "$methods"
        primary=$(iniget "$KEYSTONE_CONF" auth additional_primary_auth_methods)
        primary=$(_append_csv "$primary" "${method_list[@]}")
        iniset "$KEYSTONE_CONF" auth additional_primary_auth_methods "$primary"
    fi
    # Passkeys: the relying party is the host name keystone is reached at.
    iniset "$KEYSTONE_CONF" passkey relying_party_id "$KEYSTONE_NG_PASSKEY_RP_ID"
    iniset "$KEYSTONE_CONF" passkey origins "$KEYSTONE_NG_PASSKEY_ORIGINS"
    # Restricted tokens: the plugin's fernet provider (same keys) and token
    # method (renewal/rescoping within a restriction).
    if [[ "$KEYSTONE_NG_RESTRICTED_TOKENS" == "True" ]]; then
        iniset "$KEYSTONE_CONF" token provider ngfernet
        iniset "$KEYSTONE_CONF" auth token ngrestricted
    fi
    # Serve keystone through the plugin's entry point.
    if [[ -f "$KEYSTONE_PUBLIC_UWSGI_CONF" ]]; then
        inidelete "$KEYSTONE_PUBLIC_UWSGI_CONF" uwsgi wsgi-file
        iniset "$KEYSTONE_PUBLIC_UWSGI_CONF" uwsgi module "$KEYSTONE_NG_WSGI_APP"
    fi
}

function init_keystone_ng {
    # keystone's own tables exist by now (init_keystone ran db_sync).
    "$KEYSTONE_BIN_DIR/keystone-ng-manage" --config-file "$KEYSTONE_CONF" ng_db_sync
}

if is_service_enabled keystone-ng; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing keystone-ng-plugin"
        install_keystone_ng
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring keystone-ng-plugin"
        configure_keystone_ng
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Initializing keystone-ng-plugin"
        init_keystone_ng
    fi
    if [[ "$1" == "unstack" ]]; then
        :
    fi
    if [[ "$1" == "clean" ]]; then
        :
    fi
fi

# Restore xtrace
$_XTRACE_KEYSTONE_NG
