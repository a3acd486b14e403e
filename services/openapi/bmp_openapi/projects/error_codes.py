from bmp_common.errors import ErrorSpec

PROJECT_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Project {project_id} does not exist", "项目 {project_id} 不存在"
)
USER_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "User {user_id} does not exist", "用户 {user_id} 不存在"
)
SHARE_NOT_FOUND = ErrorSpec(
    404,
    "NOT_FOUND",
    "Project {project_id} is not shared with user {user_id}",
    "项目 {project_id} 未共享给用户 {user_id}",
)
NOT_OWNER = ErrorSpec(
    403,
    "PERMISSION_DENIED",
    "Only the owner of project {project_id} may do this",
    "只有项目 {project_id} 的拥有者可以执行此操作",
)
OWNER_MISMATCH = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: ownerID: {owner_id} is not the owner of project {project_id}",
    "参数错误：ownerID：{owner_id} 不是项目 {project_id} 的拥有者",
)
SHARE_WITH_OWNER = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: sharerID: a project cannot be shared with its owner",
    "参数错误：sharerID：项目不能共享给其拥有者",
)
MOVE_TO_OWNER = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: moverID: project {project_id} already belongs to {user_id}",
    "参数错误：moverID：项目 {project_id} 已属于 {user_id}",
)
NAME_TAKEN = ErrorSpec(
    409,
    "CONFLICT",
    "User {user_name} already has a project named {name}",
    "用户 {user_name} 已有名为 {name} 的项目",
)
DEFAULT_EXISTS = ErrorSpec(
    409,
    "CONFLICT",
    "User {user_name} already has a default project",
    "用户 {user_name} 已有默认项目",
)
IS_DEFAULT = ErrorSpec(
    409,
    "CONFLICT",
    "Project {project_id} is the default project and cannot be deleted",
    "项目 {project_id} 是默认项目，不能删除",
)
ONLY_PROJECT = ErrorSpec(
    409,
    "CONFLICT",
    "Project {project_id} is the only project of {user_name} and cannot be moved",
    "项目 {project_id} 是用户 {user_name} 唯一的项目，不能转移",
)
PROJECT_IN_USE = ErrorSpec(
    409,
    "CONFLICT",
    "Project {project_id} still has {what}: remove them first",
    "项目 {project_id} 下仍有{what}，请先删除",
)
NOT_IN_PROJECT = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: instanceIDs: {instance_id} is not an instance of project {project_id}",
    "参数错误：instanceIDs：{instance_id} 不是项目 {project_id} 的实例",
)
TOO_MANY_SHARED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: instanceIDs: at most {most} instances",
    "参数错误：instanceIDs：最多 {most} 个实例",
)
