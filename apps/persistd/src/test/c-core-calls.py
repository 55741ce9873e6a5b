"""Unary gRPC calls made by gRPC's C core (Debian's python3-grpcio), for tests of what such a
client receives. Reads a JSON list of {"path", "request"} (request: base64 of the message bytes,
built by the test) on stdin, makes the calls in order on ONE channel to argv[1] with identity
serializers, and prints a JSON list of answers: {"code", "details", "trailing"}, where binary
trailing metadata (the -bin keys) is base64."""
import base64
import json
import sys

import grpc


def answer(code, details, trailing):
    out = {}
    for key, value in trailing or ():
        out[key] = base64.b64encode(value).decode() if isinstance(value, bytes) else value
    return {"code": code.name, "details": details, "trailing": out}


def main():
    address = sys.argv[1]
    calls = json.load(sys.stdin)
    answers = []
    with grpc.insecure_channel(address) as channel:
        for call in calls:
            # no serializers: the request and the response are the bytes themselves
            method = channel.unary_unary(call["path"])
            try:
                _, rendezvous = method.with_call(base64.b64decode(call["request"]), timeout=60)
                answers.append(answer(rendezvous.code(), rendezvous.details(), rendezvous.trailing_metadata()))
            except grpc.RpcError as error:
                answers.append(answer(error.code(), error.details(), error.trailing_metadata()))
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
