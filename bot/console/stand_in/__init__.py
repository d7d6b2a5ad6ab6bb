"""A Slack stand-in on loopback, and a client that sends what Slack sends.

``server.LocalSlack`` answers the Web API methods the bot calls (auth.test,
chat.postMessage, users.info, …) at ``api_url`` and receives what the bot sends to
``response_url``s; it records everything so the console can show it and tests can assert
on it. It can be told to answer the next calls with 429 (with Retry-After) or 500. It is
the workspace (``workspace``: people, channels, what was posted) plus one mixin per
family of methods it answers: ``chat``, ``views``, ``files``, ``directory`` (users and
conversations) and ``socket_mode``. What it records is in ``records``.

``sender.SlackSender`` plays Slack's side of a slash command: it builds the same form
body, signs it with the signing secret (v0 HMAC-SHA256) and POSTs it to the bot. In
Socket Mode the stand-in is also the websocket end (``socket_mode``:
``apps.connections.open`` hands out its URL, envelopes go out and acks come back,
connections are refreshed or dropped as Slack does), and ``socket_sender.SocketSender``
sends what ``SlackSender`` sends as envelopes instead of signed POSTs.
"""
