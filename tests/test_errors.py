import pickle

from config.errors import ApplicationError, Forbidden, WrongState


def test_application_errors_survive_pickling_with_code_status_and_extra():
    for error in (
        ApplicationError("输入有误", code="invalid", extra={"field": "x"}),
        WrongState("状态不对", code="not_open"),
        Forbidden("无权", code="forbidden"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), copy.message, copy.code, copy.extra, copy.status) == (
            type(error),
            error.message,
            error.code,
            error.extra,
            error.status,
        )
