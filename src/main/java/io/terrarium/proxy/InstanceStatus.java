package io.terrarium.proxy;

/** Per-instance outcome of a proxy plan, as shown by {@code proxy list}. */
public enum InstanceStatus {
    /** Every route of the label is published. */
    OK,
    /** The label has at least one invalid item (or a bridge port could not be assigned): nothing published. */
    ERROR,
    /** The label is valid but at least one route lost a conflict; the other routes are published. */
    CONFLICT,
    /** The instance is not running: nothing published. */
    STOPPED,
    /** {@code user.terrarium.role} opts the instance out: nothing published. */
    OPTED_OUT,
    /** No (or a blank) {@code user.proxy} label: nothing published. */
    NO_LABEL
}
