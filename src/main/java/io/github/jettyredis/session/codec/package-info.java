// SPDX-License-Identifier: Apache-2.0
/**
 * How session attribute values become bytes: {@link io.github.jettyredis.session.codec.AttributeSerializer}
 * (the plug-in point), the default {@link io.github.jettyredis.session.codec.ProtobufAttributeSerializer}
 * (typed protobuf values, Java serialization behind {@link io.github.jettyredis.session.codec.SessionSerialFilter}
 * for the rest), and {@link io.github.jettyredis.session.codec.EncryptingAttributeSerializer} (AES-GCM around
 * any serializer). API. The wire format is {@code src/main/proto/jettyredis/session/v1/session.proto}.
 */
package io.github.jettyredis.session.codec;
