"""bmpctl: the command-line client of the BMP API, its commands read from the contract.

``bmpctl <tag> <operationId> --field value`` calls one operation through the contract client
(``bmp_common.contract.client``): what is sent is checked against the contract before it
leaves, and the answer is shown as a table, JSON or YAML. ``--wait`` follows the job an instance
action starts (``bmp_ctl.wait``); ``bmpctl configure`` keeps the API's address and the key
(``bmp_ctl.config``); ``bmpctl completion bash|zsh`` prints a completion script.
"""
