"""Alert rules over the running system, evaluated by the runner and sent through the
notification outbox; also exported as Prometheus alerting rules (`docs/alerts.md`).

Five kinds (`rules.KINDS`): SLA breaches per definition over a window, an error-rate spike
against the trailing baseline, growth of the due-job backlog, instances stuck in one state
longer than a multiple of that state's p95 time, and open circuit breakers.
"""

from runtime.alerts.catalog import add_rule, alert_status, list_rules, remove_rule
from runtime.alerts.evaluation import AlertEvaluator, Changes, evaluate
from runtime.alerts.failures import count_failures
from runtime.alerts.rules import KINDS, AlertRuleExists, AlertRuleInvalid, Rule

__all__ = ["KINDS", "AlertEvaluator", "AlertRuleExists", "AlertRuleInvalid", "Changes", "Rule",
           "add_rule", "alert_status", "count_failures", "evaluate", "list_rules",
           "remove_rule"]
