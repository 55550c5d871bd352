"""TEMPORARY: replaced by the letter/sending work before landing."""


def letter_file(*, version):
    raise NotImplementedError


def guarantee_send(*, guarantee, actor, base_url):
    raise NotImplementedError
