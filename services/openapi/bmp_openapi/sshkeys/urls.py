from bmp_openapi.core.routing import api
from bmp_openapi.sshkeys import apis

ROUTES = [
    api("user/sshkeys", apis.SshKeyListCreateApi, "sshkeys"),
    api("user/sshkeys/instances/<str:sshkey_id>", apis.SshKeyInstancesApi, "sshkey-instances"),
    api("user/sshkeys/<str:sshkey_id>", apis.SshKeyDetailApi, "sshkey"),
]
