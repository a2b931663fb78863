// SPDX-License-Identifier: Apache-2.0
/**
 * The operator's command-line tool, {@link io.github.jettyredis.session.tool.SessionTool}: lists the contexts
 * and sessions the store keeps in Redis, shows one session decoded (metadata, each attribute's kind, type and
 * size, values when asked) and deletes one as a node's invalidation does. It reads Redis as the store lays it
 * out and connects with the store's own settings (URI, ACL user, TLS); read-only unless told otherwise.
 * Only {@code SessionTool}'s {@code main} and {@code run} are API: what it prints may change.
 */
package io.github.jettyredis.session.tool;
