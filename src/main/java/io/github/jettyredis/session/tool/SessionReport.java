// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.tool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import io.github.jettyredis.session.codec.proto.SessionMetadata;
import io.github.jettyredis.session.internal.SessionHashCodec;
import io.github.jettyredis.session.internal.SessionKeys;

/**
 * What {@code show} prints of one session's hash: its metadata (the {@code #meta} field decoded, the key's TTL,
 * the index entry, the store's other {@code #} fields as they are), then one row per attribute from
 * {@link AttributeReader}, sorted by name.
 */
final class SessionReport
{
    private final SessionKeys keys;
    private final String id;
    private final byte[] metadata;
    private final Table storeFields = new Table();
    private final List<AttributeReader.View> attributes = new ArrayList<>();
    private final boolean withValues;

    /**
     * @param keys the session's context
     * @param id the session id
     * @param hash every field of its hash
     * @param reader how to tell what each attribute is
     * @param withValues whether to decode and show the values
     */
    SessionReport(SessionKeys keys, String id, Map<byte[], byte[]> hash, AttributeReader reader, boolean withValues)
    {
        this.keys = keys;
        this.id = id;
        this.withValues = withValues;
        byte[] meta = null;
        for (Map.Entry<byte[], byte[]> field : hash.entrySet())
        {
            if (SessionHashCodec.isAttributeField(field.getKey()))
                attributes.add(reader.read(SessionHashCodec.attributeName(field.getKey()), field.getValue(), withValues));
            else if (Arrays.equals(field.getKey(), SessionHashCodec.METADATA_FIELD))
                meta = field.getValue();
            else
                storeFields.row(new String(field.getKey(), StandardCharsets.UTF_8), new String(field.getValue(), StandardCharsets.UTF_8));
        }
        this.metadata = meta;
        attributes.sort(Comparator.comparing(AttributeReader.View::name));
    }

    /**
     * @param out where to print
     * @param ttlMs the session key's time to live, negative for none
     * @param indexEntry the session's entry in the expiry index, or null
     */
    void print(PrintStream out, long ttlMs, Double indexEntry)
    {
        out.println("Session " + id + " of " + keys.context());
        Table table = new Table();
        table.row("key", new String(keys.session(id), StandardCharsets.UTF_8));
        table.row("key expires", ttlMs < 0 ? "never (no TTL)" : "in " + TimeText.duration(ttlMs));
        metadata(table);
        table.row("expiry index entry", indexEntry == null ? "none" : TimeText.instant(indexEntry.longValue()));
        // The store's own fields as they are (#expiry, #indexed: epoch ms; #version; #claim while a node expires it).
        table.rows(storeFields);
        table.print(out);
        out.println("Attributes: " + attributes.size() + (withValues ? "" : " (values not shown: --values)"));
        Table rows = withValues ? new Table("NAME", "KIND", "TYPE", "BYTES", "VALUE") : new Table("NAME", "KIND", "TYPE", "BYTES");
        for (AttributeReader.View attribute : attributes)
        {
            if (withValues)
                rows.row(attribute.name(), attribute.kind(), attribute.type(), Integer.toString(attribute.bytes()), attribute.value());
            else
                rows.row(attribute.name(), attribute.kind(), attribute.type(), Integer.toString(attribute.bytes()));
        }
        rows.print(out);
    }

    /** Adds the decoded {@code #meta} field, or says why it cannot be. */
    private void metadata(Table table)
    {
        if (metadata == null)
        {
            table.row("metadata", "missing: the store cannot load this session");
            return;
        }
        SessionMetadata decoded;
        try
        {
            // Metadata needs no serializer.
            decoded = new SessionHashCodec(null).decodeMetadata(metadata);
        }
        catch (IOException e)
        {
            table.row("metadata", "unreadable (" + e.getMessage() + "): the store cannot load this session");
            return;
        }
        table.row("created", TimeText.instant(decoded.getCreated()));
        table.row("accessed", TimeText.instant(decoded.getAccessed()));
        table.row("last accessed", TimeText.instant(decoded.getLastAccessed()));
        table.row("max inactive", decoded.getMaxInactiveMs() <= 0 ? "never expires" : TimeText.duration(decoded.getMaxInactiveMs()));
        table.row("expiry", decoded.getExpiry() <= 0 ? "never" : TimeText.instant(decoded.getExpiry()));
        table.row("last node", decoded.hasLastNode() ? decoded.getLastNode() : "none");
        table.row("last saved", TimeText.instant(decoded.getLastSaved()));
        table.row("cookie set", TimeText.instant(decoded.getCookieSet()));
    }
}
