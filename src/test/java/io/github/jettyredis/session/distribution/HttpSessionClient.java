// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.distribution;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A browser reduced to what the distribution test needs: it keeps the {@code JSESSIONID} cookie and sends it
 * to every node (the nodes share a host, and cookies are per host, not per port), and reads the demo
 * webapp's {@code format=text} answers as maps.
 */
final class HttpSessionClient
{
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String cookie;

    /** @return the session cookie's value, or null */
    String cookie()
    {
        return cookie;
    }

    /** @param cookie the session cookie's value to send from now on, or null for none */
    void cookie(String cookie)
    {
        this.cookie = cookie;
    }

    /**
     * A visit: {@code GET <page>?format=text}.
     *
     * @param page the demo page, e.g. {@code http://127.0.0.1:8081/demo/}
     * @return the answer's lines as a map
     */
    Map<String, String> visit(URI page) throws IOException, InterruptedException
    {
        return send(HttpRequest.newBuilder(URI.create(page + "?format=text")).GET());
    }

    /**
     * A form post: {@code POST <page>} with {@code format=text} and the given fields.
     *
     * @param page the demo page
     * @param fields the form fields, e.g. {@code action=invalidate}
     * @return the answer's lines as a map
     */
    Map<String, String> post(URI page, Map<String, String> fields) throws IOException, InterruptedException
    {
        Map<String, String> form = new LinkedHashMap<>(fields);
        form.put("format", "text");
        String body = form.entrySet().stream()
            .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(page)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private Map<String, String> send(HttpRequest.Builder request) throws IOException, InterruptedException
    {
        request.timeout(Duration.ofSeconds(20));
        if (cookie != null)
            request.header("Cookie", "JSESSIONID=" + cookie);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200)
            throw new IOException(response.uri() + " answered " + response.statusCode() + ": " + response.body());
        for (String setCookie : response.headers().allValues("Set-Cookie"))
        {
            if (setCookie.startsWith("JSESSIONID="))
                cookie = setCookie.substring("JSESSIONID=".length()).split(";", 2)[0];
        }
        Map<String, String> lines = new LinkedHashMap<>();
        for (String line : response.body().split("\n"))
        {
            int equals = line.indexOf('=');
            if (equals > 0)
                lines.put(line.substring(0, equals), line.substring(equals + 1).trim());
        }
        return lines;
    }
}
