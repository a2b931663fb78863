// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.bench;

import java.io.Serializable;
import java.util.List;

/**
 * The application object of the {@code record} shape: what {@link UserProfile} holds, as a record. The codec
 * writes a {@code Serializable} record component by component (its list of roles as a typed list), so a
 * session of that shape has no Java-serialized byte.
 *
 * @param displayName shown name
 * @param email address
 * @param roles granted roles
 * @param createdAt ms since the epoch
 * @param level a small number
 */
public record UserProfileRecord(String displayName, String email, List<String> roles, long createdAt, int level) implements Serializable
{
}
