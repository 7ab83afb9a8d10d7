package io.icemesh.monitor.health;

import io.icemesh.events.v1.Topics;
import io.icemesh.monitor.MonitorConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Creates {@code icemesh.server-health} as a compacted topic at start-up when it does not exist yet, so that the
 * latest verdict per server URL survives and a broker's auto-created (deleting) topic is never the one used. Runs
 * on its own thread: a broker that is down delays this, never the start. Where topics are managed elsewhere
 * (Strimzi KafkaTopic), turn it off with {@code icemesh.monitor.health.create-topic=false}.
 */
@ApplicationScoped
public class ServerHealthTopic {

    private static final Logger LOG = Logger.getLogger(ServerHealthTopic.class);

    private final boolean enabled;
    private final String bootstrapServers;

    ServerHealthTopic(MonitorConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.enabled = config.health().createTopic();
        this.bootstrapServers = bootstrapServers;
    }

    void start(@Observes StartupEvent started) {
        if (enabled) {
            Thread t = new Thread(this::create, "icemesh-server-health-topic");
            t.setDaemon(true);
            t.start();
        }
    }

    private void create() {
        NewTopic topic = new NewTopic(Topics.SERVER_HEALTH, Optional.empty(), Optional.empty())
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(topic)).all().get();
            LOG.infof("created compacted topic %s", Topics.SERVER_HEALTH);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                LOG.debugf("topic %s exists", Topics.SERVER_HEALTH);
            } else {
                LOG.warnf("could not create topic %s: %s", Topics.SERVER_HEALTH, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warnf("could not create topic %s: %s", Topics.SERVER_HEALTH, e);
        }
    }
}
