"""LocalSyncState driven with real protocol messages, no socket."""

from __future__ import annotations

from typing import Any

import pytest

from foundry.client.errors import FunctionError, ProtocolMismatch
from foundry.client.local_state import AuthOutcome, LocalSyncState, RequestStatus, query_key


def version(query_set: int, identity: int, ts: int) -> dict[str, int]:
    return {"querySet": query_set, "identity": identity, "ts": ts}


def transition(start: dict[str, int], end: dict[str, int], *mods: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Transition",
        "startVersion": start,
        "endVersion": end,
        "modifications": list(mods),
    }


def updated(query_id: int, value: Any) -> dict[str, Any]:
    return {"type": "QueryUpdated", "queryId": query_id, "value": value, "logLines": []}


def connected(token: str | None = None) -> LocalSyncState:
    state = LocalSyncState(token, session_id="s")
    state.connect()
    return state


def test_subscribers_of_equal_path_and_args_share_one_query() -> None:
    state = connected()
    key, add = state.subscribe("messages:count", {"channel": "a"})
    same_key, second = state.subscribe("messages:count", {"channel": "a"})
    other_key, other = state.subscribe("messages:count", {"channel": "b"})
    assert key == same_key != other_key
    assert second is None
    assert add == {
        "type": "ModifyQuerySet",
        "baseVersion": 0,
        "newVersion": 1,
        "modifications": [
            {"type": "Add", "queryId": 0, "udfPath": "messages:count", "args": {"channel": "a"}}
        ],
    }
    assert other is not None and (other["baseVersion"], other["newVersion"]) == (1, 2)
    assert state.unsubscribe(key) is None  # one subscriber left
    remove = state.unsubscribe(key)
    assert remove is not None
    assert remove["modifications"] == [{"type": "Remove", "queryId": 0}]
    assert (remove["baseVersion"], remove["newVersion"]) == (2, 3)
    state.validate()


def test_query_key_ignores_argument_order() -> None:
    assert query_key("m:f", {"a": 1, "b": 2}) == query_key("m:f", {"b": 2, "a": 1})


def test_transition_applies_results_and_reports_changes() -> None:
    state = connected()
    key, _ = state.subscribe("messages:count", {"channel": "a"})
    effects = state.receive(transition(version(0, 0, 0), version(1, 0, 5), updated(0, 3)))
    assert effects.changed == [key]
    result = state.result(key)
    assert result is not None and (result.value, result.ts) == (3, 5)
    assert state.max_observed_ts == 5
    # The same value again (as after a reconnect) notifies nobody; 3 → True is a change.
    effects = state.receive(transition(version(1, 0, 5), version(1, 0, 6), updated(0, 3)))
    assert effects.changed == []
    effects = state.receive(transition(version(1, 0, 6), version(1, 0, 7), updated(0, True)))
    assert effects.changed == [key]


def test_failed_query_unwraps_to_function_error() -> None:
    state = connected()
    key, _ = state.subscribe("messages:nope", {})
    failed = {
        "type": "QueryFailed",
        "queryId": 0,
        "errorMessage": "no such function",
        "errorData": {"path": "messages:nope"},
        "logLines": [],
    }
    state.receive(transition(version(0, 0, 0), version(1, 0, 1), failed))
    result = state.result(key)
    assert result is not None
    with pytest.raises(FunctionError) as caught:
        result.unwrap()
    assert caught.value.data == {"path": "messages:nope"}


@pytest.mark.parametrize(
    "start",
    [version(0, 0, 1), version(1, 0, 0), version(0, 1, 0)],
    ids=["ts", "querySet", "identity"],
)
def test_transition_from_another_version_is_a_mismatch(start: dict[str, int]) -> None:
    state = connected()
    state.subscribe("messages:count", {"channel": "a"})
    with pytest.raises(ProtocolMismatch, match="expected startVersion"):
        state.receive(transition(start, version(1, 0, 2)))


def test_transition_to_a_query_set_never_sent_is_a_mismatch() -> None:
    state = connected()
    with pytest.raises(ProtocolMismatch):
        state.receive(transition(version(0, 0, 0), version(1, 0, 0)))


def test_ping_is_answered_with_pong() -> None:
    assert connected().receive({"type": "Ping"}).send == [{"type": "Pong"}]


def test_unknown_message_is_a_mismatch() -> None:
    with pytest.raises(ProtocolMismatch, match="Bogus"):
        connected().receive({"type": "Bogus"})


def test_reconnect_replays_the_session_from_version_zero() -> None:
    state = LocalSyncState("tok", session_id="s")
    first = state.connect()
    assert [m["type"] for m in first.send] == ["Connect", "Authenticate"]
    state.subscribe("messages:count", {"channel": "a"})
    state.subscribe("messages:whoami", {})
    state.receive(transition(version(0, 0, 0), version(2, 1, 9)))
    sent_id, _ = state.request("Mutation", "messages:send", {"channel": "a", "body": "x"})
    assert state.mark_sent(sent_id)
    queued_id, _ = state.request("Mutation", "messages:send", {"channel": "a", "body": "y"})

    lost = state.disconnect("closed")
    assert lost.lost == [sent_id]  # sent: may have run, so it fails and is never re-sent
    unsent_while_down, message = state.request("Action", "messages:send_via_action", {})
    assert message is None

    replay = state.connect().send
    assert replay[0] == {
        "type": "Connect",
        "sessionId": "s",
        "connectionCount": 1,
        "lastCloseReason": "closed",
        "maxObservedTimestamp": 9,
    }
    assert replay[1] == {
        "type": "Authenticate",
        "baseVersion": 0,
        "tokenType": "User",
        "value": "tok",
    }
    assert replay[2]["type"] == "ModifyQuerySet"
    assert (replay[2]["baseVersion"], replay[2]["newVersion"]) == (0, 1)
    assert [m["queryId"] for m in replay[2]["modifications"]] == [0, 1]
    assert [m["requestId"] for m in replay[3:]] == [queued_id, unsent_while_down]
    # The new socket starts from version zero.
    state.receive(transition(version(0, 0, 0), version(1, 1, 10)))
    state.validate()


def test_mutation_response_waits_for_a_transition_at_its_ts() -> None:
    state = connected()
    key, _ = state.subscribe("messages:count", {"channel": "a"})
    state.receive(transition(version(0, 0, 0), version(1, 0, 5), updated(0, 0)))
    request_id, _ = state.request("Mutation", "messages:send", {})
    state.mark_sent(request_id)
    response = {
        "type": "MutationResponse",
        "requestId": request_id,
        "success": True,
        "result": "id1",
        "ts": 8,
        "logLines": [],
    }
    assert state.receive(response).completed == []
    assert state.requests[request_id].status is RequestStatus.COMMITTED
    effects = state.receive(transition(version(1, 0, 5), version(1, 0, 8), updated(0, 1)))
    assert effects.changed == [key]
    [(answered, result)] = effects.completed
    assert (answered, result.value, result.ts) == (request_id, "id1", 8)


def test_failed_mutation_completes_at_once() -> None:
    state = connected()
    request_id, _ = state.request("Mutation", "messages:send_then_fail", {})
    state.mark_sent(request_id)
    effects = state.receive(
        {
            "type": "MutationResponse",
            "requestId": request_id,
            "success": False,
            "result": "refused on purpose",
            "errorData": {"reason": "test"},
            "logLines": [],
        }
    )
    [(_, result)] = effects.completed
    with pytest.raises(FunctionError, match="refused on purpose"):
        result.unwrap()


def test_forgotten_request_is_never_sent_and_its_answer_ignored() -> None:
    state = connected()
    request_id, _ = state.request("Mutation", "messages:send", {})
    state.forget(request_id)
    assert not state.mark_sent(request_id)
    answer = {"type": "MutationResponse", "requestId": request_id, "success": True, "result": 1}
    assert state.receive(answer).completed == []


def test_authenticate_waits_for_the_previous_outcome() -> None:
    state = connected()
    first_gen, first = state.set_auth("alice")
    assert first == {
        "type": "Authenticate",
        "baseVersion": 0,
        "tokenType": "User",
        "value": "alice",
    }
    second_gen, second = state.set_auth("bob")
    assert second is None  # its baseVersion depends on whether alice is accepted
    effects = state.receive(transition(version(0, 0, 0), version(0, 1, 1)))
    assert effects.auth is not None
    assert (effects.auth.outcome, effects.auth.generation) == (AuthOutcome.ACCEPTED, first_gen)
    assert effects.send == [
        {"type": "Authenticate", "baseVersion": 1, "tokenType": "User", "value": "bob"}
    ]
    effects = state.receive(transition(version(0, 1, 1), version(0, 2, 1)))
    assert effects.auth is not None and effects.auth.generation == second_gen


def test_refused_token_reverts_to_the_previous_identity() -> None:
    state = connected("alice")
    state.receive(transition(version(0, 0, 0), version(0, 1, 1)))
    _, message = state.set_auth("bad")
    assert message is not None and message["baseVersion"] == 1
    effects = state.receive({"type": "AuthError", "error": "InvalidToken: no", "baseVersion": 1})
    assert effects.auth is not None and effects.auth.outcome is AuthOutcome.REFUSED
    # The next Authenticate builds on the unchanged version; a reconnect re-sends alice's token.
    _, again = state.set_auth("carol")
    assert again is not None and again["baseVersion"] == 1
    state.receive({"type": "AuthError", "error": "InvalidToken: no", "baseVersion": 1})
    state.disconnect("closed")
    replay = state.connect().send
    assert replay[1]["value"] == "alice"


def test_after_an_expiry_authenticate_waits_for_its_transition() -> None:
    state = connected("alice")
    state.receive(transition(version(0, 0, 0), version(0, 1, 1)))
    # The server dropped the identity (version 2) and re-runs the queries for nobody.
    effects = state.receive({"type": "AuthError", "error": "token expired", "baseVersion": 2})
    assert effects.auth is not None and effects.auth.outcome is AuthOutcome.EXPIRED
    _, message = state.set_auth("fresh")
    assert message is None
    effects = state.receive(transition(version(0, 1, 1), version(0, 2, 1)))
    assert effects.send == [
        {"type": "Authenticate", "baseVersion": 2, "tokenType": "User", "value": "fresh"}
    ]


def test_token_accepted_then_expired_at_once_is_not_in_force() -> None:
    state = connected("alice")
    state.receive(transition(version(0, 0, 0), version(0, 1, 1)))
    generation, message = state.set_auth("stale")
    assert message is not None and message["baseVersion"] == 1
    # The server accepted it (version 2) and expired it at once (version 3).
    effects = state.receive({"type": "AuthError", "error": "token expired", "baseVersion": 3})
    assert effects.auth is not None
    assert (effects.auth.outcome, effects.auth.generation) == (AuthOutcome.EXPIRED, generation)
    assert effects.auth.token == "stale"
    effects = state.receive(transition(version(0, 1, 1), version(0, 3, 1)))
    assert effects.auth is None  # no late "accepted"
    state.disconnect("closed")
    assert [m["type"] for m in state.connect().send] == ["Connect"]
