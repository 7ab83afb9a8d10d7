package io.icemesh.doctor;

import io.icemesh.stun.TurnRestCredential;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the list comes from: URLs on the command line (with one username and credential, or TURN REST credentials
 * minted from the shared secret), a browser {@code iceServers} JSON array, or what signaling's
 * {@code /api/ice-servers} hands a room token.
 */
final class IceServers {

    /** One {@code RTCIceServer}: its URLs and their credentials. */
    record Entry(List<String> urls, String username, String credential) {
    }

    /** A list that cannot be used, with the reason in plain words. */
    static final class BadListException extends Exception {
        BadListException(String message) {
            super(message);
        }
    }

    private IceServers() {
    }

    /** Comma-separated URLs, or a JSON array of {@code {urls, username, credential}}. */
    static List<Entry> fromArgument(String text, String username, String credential) throws BadListException {
        String t = text.trim();
        if (t.startsWith("[") || t.startsWith("{")) {
            return fromJson(t);
        }
        List<String> urls = new ArrayList<>();
        for (String u : t.split(",")) {
            if (!u.isBlank()) {
                urls.add(u.trim());
            }
        }
        if (urls.isEmpty()) {
            throw new BadListException("--ice-servers lists no URL");
        }
        return List.of(new Entry(urls, username, credential));
    }

    /** TURN REST credentials (username {@code expiry:user}, password base64 HMAC-SHA1 of the secret). */
    static List<Entry> withTurnSecret(List<Entry> entries, String secret, String user, Duration ttl) {
        String username = (Instant.now().getEpochSecond() + ttl.toSeconds()) + ":" + user;
        String password = TurnRestCredential.password(secret, username);
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(e.username() == null ? new Entry(e.urls(), username, password) : e);
        }
        return out;
    }

    static List<Entry> fromJson(String json) throws BadListException {
        Object v;
        try {
            v = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new BadListException("the ICE server list is not JSON: " + e.getMessage());
        }
        if (v instanceof Map<?, ?> m && m.get("iceServers") != null) {
            v = m.get("iceServers");
        }
        if (!(v instanceof List<?> list)) {
            throw new BadListException("expected a JSON array of {\"urls\": ..., \"username\": ..., \"credential\": ...}");
        }
        List<Entry> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> server)) {
                throw new BadListException("each ICE server must be a JSON object, got " + o);
            }
            Object urls = server.get("urls") != null ? server.get("urls") : server.get("url");
            List<String> u = new ArrayList<>();
            if (urls instanceof String s) {
                u.add(s);
            } else if (urls instanceof List<?> l) {
                for (Object x : l) {
                    u.add(String.valueOf(x));
                }
            } else {
                throw new BadListException("an ICE server without \"urls\": " + Json.write(server).replaceAll("\\s+", " "));
            }
            out.add(new Entry(u, (String) server.get("username"), (String) server.get("credential")));
        }
        if (out.isEmpty()) {
            throw new BadListException("the ICE server list is empty");
        }
        return out;
    }

    /** A token from signaling's {@code POST /api/dev/token} (local and test profiles only), as the web client gets one. */
    static String devToken(String base, Duration timeout) throws BadListException {
        URI uri = URI.create(base.replaceAll("/+$", "") + "/api/dev/token");
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"room\":\"icemesh-doctor\",\"user\":\"doctor\"}"))
                .build();
        try {
            HttpResponse<String> res = HttpClient.newBuilder().connectTimeout(timeout).build()
                    .send(req, HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) {
                throw new BadListException(uri + " answered " + res.statusCode() + ": " + res.body()
                        + " (dev tokens exist only in signaling's local and test profiles; give --token)");
            }
            Object token = ((Map<?, ?>) Json.parse(res.body())).get("token");
            if (!(token instanceof String t)) {
                throw new BadListException(uri + " answered without a token: " + res.body());
            }
            return t;
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new BadListException("could not get a dev token from " + uri + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadListException("interrupted");
        }
    }

    /** {@code GET <base>/api/ice-servers} with the room token, as the web client does. */
    static List<Entry> fromSignaling(String base, String token, Duration timeout) throws BadListException {
        URI uri;
        try {
            uri = URI.create(base.replaceAll("/+$", "") + "/api/ice-servers");
        } catch (IllegalArgumentException e) {
            throw new BadListException("--from '" + base + "' is not a URL: " + e.getMessage());
        }
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", "Bearer " + token)
                .GET().build();
        HttpResponse<String> res;
        try {
            res = HttpClient.newBuilder().connectTimeout(timeout).build().send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BadListException("could not reach " + uri + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadListException("interrupted");
        }
        if (res.statusCode() != 200) {
            throw new BadListException(uri + " answered " + res.statusCode() + ": " + res.body());
        }
        return fromJson(res.body());
    }
}
