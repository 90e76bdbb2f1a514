"""Header synonyms of Chinese 12345 / 政务 platforms and US and other 311 platforms, per ticket field.

Used by `civicdesk.ingest.guess` when no mapping profile recognises a file. Three tables:

* `EXACT`: normalised header (see `guess.header_key`: casefolded, no spaces or punctuation) → field.
* `KEYWORDS_ZH`: field → Chinese keywords found *inside* a header ("诉求发生时间" holds "发生时间").
* `KEYWORDS_EN`: field → English phrases, each a tuple of words that must all be among the header's
  words ("Date Opened" → {"date", "opened"} holds ("opened",)).

A keyword's weight is its length in characters unless `WEIGHTS` says otherwise; the strongest keyword of a
header decides its field. Two pseudo-fields: "_ignore" for columns that look like a ticket field but are
not one (the reply text, the last update) and "_time" for headers saying only "a time" (时间, Date), whose
column joins the content rules' time columns.
"""
from __future__ import annotations

_EXACT_BY_FIELD: dict[str, tuple[str, ...]] = {
    "source_id": ("工单编号", "工单号", "受理编号", "编号", "流水号", "诉求编号", "留言编号", "信件编号", "案件编号",
                  "事件编号", "来电编号", "反映编号", "投诉编号", "单号", "工单id", "件号",
                  "srnumber", "sr", "srno", "servicerequestid", "servicerequestnumber", "servicerequestno",
                  "requestid", "requestnumber", "caseid", "casenumber", "caseno", "ticketid", "ticketnumber",
                  "ticketno", "uniquekey", "incidentid", "incidentnumber", "id", "referencenumber", "refno",
                  "reference", "casereference", "servicerequestid"),
    "created_at": ("受理时间", "来电时间", "登记时间", "创建时间", "诉求时间", "上报时间", "反映时间", "投诉时间",
                   "留言时间", "来信时间", "createddate", "created", "createdat", "createdon", "datecreated",
                   "createddatetime", "creationdate", "opendate", "opened", "openeddate", "dateopened",
                   "requesteddatetime", "requestdate", "reporteddate", "datereported", "submitteddate",
                   "datesubmitted", "receiveddate", "datereceived", "dateofrequest", "createdtime"),
    "closed_at": ("办结时间", "结案时间", "完成时间", "办理完成时间", "答复时间", "回复时间", "closeddate", "closed",
                  "closedat", "dateclosed", "closedon", "closeddatetime", "closedate", "resolveddate",
                  "resolutiondate", "completeddate", "completiondate", "dateresolved", "datecompleted",
                  "closeddatetime"),
    "deadline_at": ("办理时限", "截止时间", "办结时限", "到期时间", "duedate", "deadline", "expecteddatetime",
                    "targetdate", "sladuedate"),
    "category": ("一级分类", "诉求类型", "问题类型", "事项类别", "工单类型", "诉求分类", "requesttype", "complainttype",
                 "servicename", "problemtype", "category", "casetype", "issuetype", "servicetype", "type",
                 "requestcategory", "topic"),
    "subcategory": ("二级分类", "诉求子类", "问题小类", "事项小类", "subcategory", "subtype", "descriptor",
                    "requestsubtype", "servicecode"),
    "street": ("所属街道", "所属镇街", "镇街", "街道", "所属区域", "属地", "所在区域", "所属街镇", "ncname",
               "neighborhood", "neighbourhood", "district", "councildistrict", "ward", "borough",
               "policeprecinct", "precinct", "communityboard", "area", "zone"),
    "channel": ("来源渠道", "诉求渠道", "来源", "渠道", "受理渠道", "requestsource", "source", "channel",
                "methodreceived", "origin", "intakechannel", "opendatachannel", "opendatachanneltype"),
    "status": ("工单状态", "办理状态", "状态", "status", "casestatus", "requeststatus"),
    "description": ("诉求内容", "工单内容", "问题描述", "来电内容", "事项描述", "留言详情", "反映内容", "投诉内容",
                    "description", "details", "requestdetails", "problemdescription", "comments", "narrative"),
    "title": ("诉求标题", "标题", "工单标题", "留言主题", "主题", "title", "subject", "summary"),
    "_ignore": ("答复意见", "答复内容", "回复内容", "处理意见", "办理结果", "处理结果", "办理意见", "备注",
                "address", "updateddate", "lastupdated", "updated", "modified", "actiontaken",
                "resolutiondescription", "resolutionactionupdateddate", "latitude", "longitude", "location"),
}

#: Normalised header → field (or "_ignore").
EXACT: dict[str, str] = {key: name for name, keys in _EXACT_BY_FIELD.items() for key in keys}

#: Field → Chinese keywords looked for inside the header.
KEYWORDS_ZH: dict[str, tuple[str, ...]] = {
    "source_id": ("编号", "单号", "流水号", "工单号", "受理号", "案号"),
    "created_at": ("受理时间", "来电时间", "登记时间", "创建时间", "诉求时间", "上报时间", "派单时间", "反映时间",
                   "投诉时间", "发生时间", "发生时刻", "留言时间", "来信时间", "提交时间", "举报时间", "报案时间",
                   "接收时间", "申请时间", "发起时间", "建单时间", "生成时间", "录入时间", "求助时间", "咨询时间",
                   "下单时间", "受理日期", "来电日期", "反映日期", "登记日期", "创建日期", "上报日期", "投诉日期"),
    "closed_at": ("办结", "结案", "完成时间", "答复时间", "回复时间", "处理完成", "关闭时间", "销号", "归档时间",
                  "完结", "办毕", "结束时间"),
    "signed_at": ("签收", "接单"),
    "first_response_at": ("响应", "首次联系", "首次回复时间", "首次答复时间"),
    "deadline_at": ("时限", "截止", "期限", "到期", "应办结", "超期时间"),
    "category": ("一级分类", "分类", "类型", "类别", "大类", "一级"),
    "subcategory": ("二级分类", "二级", "小类", "子类", "细类"),
    "street": ("街道", "镇街", "街镇", "乡镇", "区域", "属地", "区县", "行政区", "所属区", "辖区", "地区", "街乡"),
    "grid_id": ("网格", "网格编号", "网格名称"),
    "department": ("承办", "单位", "部门", "处置单位", "责任单位"),
    "urgency": ("紧急", "缓急", "优先级"),
    "status": ("状态",),
    "callback_result": ("回访", "满意", "评价"),
    "caller_phone": ("电话", "手机", "号码", "联系方式"),
    "caller_name": ("姓名", "联系人", "来电人", "反映人", "投诉人", "诉求人", "留言用户", "举报人", "申请人", "市民",
                    "来信人", "留言人", "写信人", "来访人"),
    "title": ("标题", "主题", "事项名称"),
    "description": ("内容", "详情", "描述", "详细", "概述", "诉求"),
    "channel": ("渠道", "来源"),
    "returned_count": ("退单", "退回"),
    "reopened_count": ("重办", "重启"),
    "escalated": ("督办",),
    "_ignore": ("答复", "回复", "处理意见", "办理意见", "处理结果", "办理结果", "备注", "地址", "坐标", "经度", "纬度",
                "回访时间", "评价时间", "回访人", "更新时间", "修改时间"),
    "_time": ("时间", "日期", "时刻"),
}

#: Field → English phrases (tuples of words that must all be among the header's words).
KEYWORDS_EN: dict[str, tuple[tuple[str, ...], ...]] = {
    "source_id": (("id",), ("case", "no"), ("ticket", "no"), ("case", "id"), ("ticket", "id"), ("request", "id"),
                  ("sr", "number"), ("case", "number"), ("ticket", "number"), ("request", "number"),
                  ("unique", "key"), ("reference",)),
    "created_at": (("created",), ("opened",), ("open", "date"), ("requested",), ("reported",),
                   ("submitted",), ("received",), ("creation",), ("request", "date"), ("logged",)),
    "closed_at": (("closed",), ("close", "date"), ("resolved",), ("resolution", "date"), ("completed",),
                  ("completion",), ("finished",)),
    "signed_at": (("assigned", "date"), ("accepted",), ("acknowledged",)),
    "first_response_at": (("first", "response"), ("responded",), ("response", "date")),
    "deadline_at": (("due",), ("deadline",), ("expected",), ("target", "date"), ("sla",)),
    "category": (("type",), ("category",), ("service", "name"), ("topic",), ("request", "type"),
                 ("complaint", "type"), ("problem",)),
    "subcategory": (("subtype",), ("subcategory",), ("sub", "type"), ("sub", "category"), ("descriptor",)),
    "street": (("district",), ("ward",), ("neighborhood",), ("neighbourhood",), ("borough",),
               ("precinct",), ("township",), ("zone",), ("region",), ("area",)),
    "grid_id": (("grid",), ("beat",)),
    "department": (("agency",), ("department",), ("dept",), ("owner",), ("division",), ("bureau",)),
    "urgency": (("priority",), ("urgency",), ("severity",)),
    "status": (("status",),),
    "callback_result": (("satisfaction",), ("rating",), ("survey",)),
    "caller_phone": (("phone",), ("telephone",), ("contact", "number")),
    "caller_name": (("caller", "name"), ("contact", "name"), ("requester",), ("reporter", "name"),
                    ("customer", "name"), ("complainant",)),
    "title": (("title",), ("subject",), ("summary",)),
    "description": (("description",), ("details",), ("detail",), ("comments",), ("narrative",)),
    "channel": (("source",), ("channel",), ("origin",), ("method", "received"), ("intake",)),
    "reopened_count": (("reopened",),),
    "escalated": (("escalated",),),
    "_ignore": (("updated",), ("modified",), ("resolution",), ("action",), ("address",), ("latitude",),
                ("longitude",), ("location",), ("os",)),
    "_time": (("date",), ("time",), ("datetime",), ("timestamp",)),
}

#: Keyword weights other than their length: phones before names ("来电人电话"), the reply text and the last
#: update before everything they contain ("答复内容", "Resolution Description"), a bare "time" last.
WEIGHTS: dict[str, float] = {
    "电话": 10, "手机": 10, "号码": 8, "联系方式": 10,
    "答复": 3, "回复": 3, "处理意见": 10, "办理意见": 10, "处理结果": 10, "办理结果": 10, "地址": 10,
    "updated": 20, "modified": 20, "resolution": 20, "action": 20,
    "resolution date": 30, "address": 20, "os": 10,
    "时间": 1, "日期": 1, "时刻": 1, "date": 1, "time": 1, "datetime": 1, "timestamp": 1,
    "诉求": 1, "id": 2, "回访时间": 10, "评价时间": 10, "更新时间": 10, "修改时间": 10,
}
