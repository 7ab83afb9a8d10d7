package io.icemesh.deploy;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * The part of the Prometheus Operator's monitoring.coreos.com/v1 schema that k8s/ uses, as strict records (no
 * fabric8 model of these CRDs resolves here). Field names and types follow the operator's CRD reference; a field
 * k8s/ starts to use has to be added here, so nothing unchecked slips through.
 */
final class PrometheusOperatorModel {

    private PrometheusOperatorModel() {
    }

    record ServiceMonitor(String apiVersion, String kind, ObjectMeta metadata, ServiceMonitorSpec spec) {
    }

    record ServiceMonitorSpec(LabelSelector selector, NamespaceSelector namespaceSelector, String jobLabel,
            List<Endpoint> endpoints) {
    }

    record NamespaceSelector(Boolean any, List<String> matchNames) {
    }

    record Endpoint(String port, String targetPort, String path, String scheme, String interval,
            String scrapeTimeout, List<RelabelConfig> relabelings, List<RelabelConfig> metricRelabelings) {
    }

    record RelabelConfig(List<String> sourceLabels, String separator, String targetLabel, String regex,
            String replacement, String action) {
    }

    record PrometheusRule(String apiVersion, String kind, ObjectMeta metadata, PrometheusRuleSpec spec) {
    }

    record PrometheusRuleSpec(List<RuleGroup> groups) {
    }

    record RuleGroup(String name, String interval, List<Rule> rules) {
    }

    record Rule(String alert, String record, String expr, @JsonProperty("for") String forDuration,
            Map<String, String> labels, Map<String, String> annotations) {
    }
}
