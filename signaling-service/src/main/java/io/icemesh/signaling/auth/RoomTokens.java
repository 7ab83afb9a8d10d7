package io.icemesh.signaling.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.signaling.config.SignalingConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints and verifies room tokens: compact JWS (RFC 7515) with HS256 only. Any other {@code alg} (none included) is
 * refused before the signature is looked at, the signature is compared in constant time, and exp is required.
 */
@ApplicationScoped
public class RoomTokens {

    /** Shortest HMAC key accepted: RFC 7518 section 3.2 requires a key of at least the hash size for HS256. */
    public static final int MIN_KEY_BYTES = 32;
    /** Longest token accepted; a real one is a few hundred bytes. */
    public static final int MAX_TOKEN_CHARS = 4096;

    private static final Pattern ROOM = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9._:-]{8,64}");
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final ObjectMapper json = new ObjectMapper();
    private final SecretKeySpec key;
    private final String issuer;
    private final Duration skew;
    private final Clock clock;

    @jakarta.inject.Inject
    RoomTokens(SignalingConfig config) {
        this(config.auth().jwtSecret(), config.auth().issuer(), config.auth().clockSkew(), Clock.systemUTC());
    }

    public RoomTokens(String secret, String issuer, Duration skew, Clock clock) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("icemesh.signaling.auth.jwt-secret must be at least " + MIN_KEY_BYTES
                    + " bytes");
        }
        this.key = new SecretKeySpec(bytes, "HmacSHA256");
        this.issuer = issuer;
        this.skew = skew;
        this.clock = clock;
    }

    /** Why a token was refused. */
    public static final class InvalidTokenException extends Exception {
        public InvalidTokenException(String message) {
            super(message, null, false, false);
        }
    }

    public String mint(String subject, String room, RoomMode mode, String sessionId, Duration ttl) {
        long now = clock.instant().getEpochSecond();
        ObjectNode claims = json.createObjectNode().put("iss", issuer).put("sub", subject).put("room", room)
                .put("mode", mode.wireName()).put("iat", now).put("exp", now + ttl.toSeconds());
        if (sessionId != null) {
            claims.put("sid", sessionId);
        }
        String signingInput = B64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + B64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
        return signingInput + "." + B64.encodeToString(sign(signingInput));
    }

    public RoomToken verify(String token) throws InvalidTokenException {
        if (token == null || token.isEmpty()) {
            throw new InvalidTokenException("missing token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new InvalidTokenException("token too long");
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new InvalidTokenException("not a compact JWS");
        }
        JsonNode header = decodeJson(parts[0], "header");
        if (!"HS256".equals(header.path("alg").asText())) {
            throw new InvalidTokenException("unsupported alg " + header.path("alg").asText("(none)"));
        }
        byte[] signature;
        try {
            signature = B64D.decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("signature is not base64url");
        }
        if (!MessageDigest.isEqual(signature, sign(parts[0] + "." + parts[1]))) {
            throw new InvalidTokenException("bad signature");
        }
        JsonNode claims = decodeJson(parts[1], "claims");
        Instant now = clock.instant();
        if (!claims.path("exp").canConvertToLong()) {
            throw new InvalidTokenException("no exp claim");
        }
        Instant exp = Instant.ofEpochSecond(claims.get("exp").asLong());
        if (now.isAfter(exp.plus(skew))) {
            throw new InvalidTokenException("token expired");
        }
        if (claims.has("nbf") && now.plus(skew).isBefore(Instant.ofEpochSecond(claims.get("nbf").asLong()))) {
            throw new InvalidTokenException("token not valid yet");
        }
        if (!issuer.equals(claims.path("iss").asText())) {
            throw new InvalidTokenException("wrong issuer");
        }
        String room = claims.path("room").asText("");
        if (!ROOM.matcher(room).matches()) {
            throw new InvalidTokenException("room claim missing or invalid");
        }
        RoomMode mode = claims.has("mode") ? RoomMode.fromWire(claims.get("mode").asText()) : RoomMode.P2P;
        if (mode == null) {
            throw new InvalidTokenException("unknown room mode " + claims.get("mode").asText());
        }
        String sid = claims.hasNonNull("sid") ? claims.get("sid").asText() : null;
        if (sid != null && !SESSION.matcher(sid).matches()) {
            throw new InvalidTokenException("sid claim invalid");
        }
        return new RoomToken(claims.path("sub").asText("anonymous"), room, mode, sid, exp);
    }

    private JsonNode decodeJson(String part, String what) throws InvalidTokenException {
        try {
            JsonNode node = json.readTree(B64D.decode(part));
            if (node == null || !node.isObject()) {
                throw new InvalidTokenException(what + " is not a JSON object");
            }
            return node;
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new InvalidTokenException(what + " is not base64url JSON");
        }
    }

    private byte[] sign(String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
