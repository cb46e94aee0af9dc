package io.terrarium.proxy;

import java.time.Instant;

/**
 * What the planner needs to know about one LXD instance (read from
 * {@code GET /1.0/instances?recursion=2}; use {@code expanded_config} so profile labels count).
 *
 * @param name      LXD instance name
 * @param running   true when LXD reports status {@code Running}; anything else publishes nothing
 * @param createdAt LXD {@code created_at}; decides conflicts (earliest wins). {@code null} sorts
 *                  after every known time
 * @param role      value of {@code user.terrarium.role}, or {@code null}; see
 *                  {@link ProxyPlanner#isOptedOut(String)}
 * @param label     value of {@code user.proxy}, or {@code null}
 */
public record ProxyInstance(String name, boolean running, Instant createdAt, String role, String label) {
}
